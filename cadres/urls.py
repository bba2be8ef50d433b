from django.urls import path

from cadres.models import Person
from cadres.views import PersonRevealView, PersonViews

app_name = "cadres"

urlpatterns = [
    *PersonViews.urls(),
    path(
        "people/<int:pk>/reveal/",
        PersonRevealView.as_view(model=Person, config=PersonViews),
        name="person_reveal",
    ),
]
