from django.urls import path

from cadres.models import Deployment, Person
from cadres.views import DeploymentActionView, DeploymentViews, PersonRevealView, PersonViews

app_name = "cadres"

urlpatterns = [
    *PersonViews.urls(),
    *DeploymentViews.urls(),
    path(
        "people/<int:pk>/reveal/",
        PersonRevealView.as_view(model=Person, config=PersonViews),
        name="person_reveal",
    ),
    path(
        "deployments/<int:pk>/<slug:transition>/",
        DeploymentActionView.as_view(model=Deployment, config=DeploymentViews),
        name="deployment_action",
    ),
]
