from . import api


def register(router):
    router.register("information-requests", api.InformationRequestViewSet, basename="information-request")
    router.register("information-returns", api.InformationReturnViewSet, basename="information-return")
