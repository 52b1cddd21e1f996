"""A FHIR R4 facade over the pathway: the hospital's systems read every episode as FHIR
resources and send referrals in. It builds resources from the pathway's own rows on each read
and keeps no second copy; writes go through the pathway's and patients' services.

The fhir.resources library is a package `fhir` too: this app's __path__ is extended to hold
it, so `fhir.resources.R4B` is the library's (and this app has no `resources` module; its
builders are fhir/builders/)."""

from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
