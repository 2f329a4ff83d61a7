"""The browser self-test, judged in Python: the upload as sensor readings, and the job."""
