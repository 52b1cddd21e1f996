"""Domain errors. Services raise them; the API turns each into its status code with the
reason in words. Messages never carry patient details, only field and rule names."""

from collections.abc import Mapping


class DomainError(Exception):
    status = 400

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail

    def as_dict(self) -> dict:
        return {"detail": self.detail}


class InvalidInput(DomainError):
    """Bad values, by field name: answered with 400."""

    def __init__(self, errors: Mapping[str, str | list[str]]):
        self.errors = {k: [v] if isinstance(v, str) else list(v) for k, v in errors.items()}
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items()))

    def as_dict(self) -> dict:
        return self.errors


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The request is valid but the record's current state forbids it: 409."""

    status = 409

    def __init__(self, detail: str, unmet: list | None = None):
        super().__init__(detail)
        self.unmet = unmet or []


class MoveRefused(Conflict):
    """A pathway move refused: answered in the contract's shape, `unmet` always present."""

    def as_dict(self) -> dict:
        unmet = [{"rule": u.rule, "message": u.message} for u in self.unmet]
        return {"detail": self.detail, "unmet": unmet}
