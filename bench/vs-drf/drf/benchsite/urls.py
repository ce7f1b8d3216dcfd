from rest_framework import routers

from .views import BookViewSet

router = routers.SimpleRouter(trailing_slash=False)
router.register("v1/books", BookViewSet)
urlpatterns = router.urls
