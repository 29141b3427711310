from . import api


def register(router):
    router.register("early-help/requests", api.EarlyHelpRequestViewSet, basename="early-help-request")
