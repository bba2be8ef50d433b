"""The /api/v1/ router: each app registers its viewsets in its api.py."""

from rest_framework.routers import DefaultRouter

from accounts.api import UserViewSet
from pairings.api import PairingViewSet, RegionViewSet

router = DefaultRouter()
router.register("users", UserViewSet)
router.register("regions", RegionViewSet)
router.register("pairings", PairingViewSet)

urlpatterns = router.urls
