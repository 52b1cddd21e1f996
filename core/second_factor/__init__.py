"""Two-step sign-in (issue 21): after the password, a code from an authenticator app (TOTP,
django-otp) or a recovery code (each good once). Admins must; nurses and coordinators may,
and must when the unit says so (SignInSettings.second_factor_for_everyone). `rules` says who
needs what, `services` enrols, checks codes and resets, `middleware` keeps every page (and the
API on a web sign-in) closed until the step is done, `pages` are its pages. docs/security.md."""
