"""``/consultations/``: the buyer's booking pages, the call page and the consultant's pages."""

from support.consultations.views import booking, call, consultant

app_name = "consultations"

urlpatterns = [*booking.urlpatterns, *call.urlpatterns, *consultant.urlpatterns]
