"""One module per FHIR resource type: pure builders from the rows fhir/selectors/load.py reads
(no query of their own), each returning a resource as a dict of FHIR JSON."""
