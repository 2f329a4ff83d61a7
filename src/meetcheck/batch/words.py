"""Words the batch's outputs share (the dashboard, the XLSX): a row's status as people
read it, in the active language. The JSON keeps ``ready``, ``not_ready``, ..."""

from meetcheck.batch._catalog import N_

STATUS_WORDS = {
    "ready": N_("Ready"),
    "not_ready": N_("Not ready"),
    "error": N_("Error"),
    "unchecked": N_("Unchecked"),
}
