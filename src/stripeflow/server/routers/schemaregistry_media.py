"""The ``Accept`` headers of the Schema Registry: which form a lookup, a listing or a descriptor listing asks for."""

from __future__ import annotations

import re

from stripeflow.server.problems import ApiError
from stripeflow.xdm import Form

#: The lookup ``Accept`` values, as the Platform documents them.
LOOKUP_ACCEPTS = tuple(f"application/vnd.adobe.{form.value}+json; version=1" for form in Form)
LISTING_ACCEPTS = ("application/vnd.adobe.xed-id+json", "application/vnd.adobe.xed+json")
_VENDOR_MEDIA = re.compile(r"application/vnd\.adobe\.(?P<name>[a-z-]+)\+json\Z")
_VERSION = re.compile(r"1(?:\.[0-9]+)?\Z")
_FORM_NAMES = frozenset(form.value for form in Form)
#: ``Accept`` values that leave the choice to the server.
ANY_MEDIA = ("*/*", "application/*", "application/json")


def lookup_form(accept: str | None) -> tuple[Form, str]:
    """The form and version (``"1"``: the latest, ``"1.2"``: that revision) a lookup's ``Accept`` asks for."""
    accepted = ", ".join(LOOKUP_ACCEPTS)
    for media, params in media_ranges(accept):
        match = _VENDOR_MEDIA.match(media)
        if match is None or match["name"] not in _FORM_NAMES:
            continue
        version = params.get("version")
        if version is None:
            raise not_acceptable(
                f"Accept {media!r} has no version: add '; version=1'. Accepted: {accepted}", LOOKUP_ACCEPTS
            )
        if not _VERSION.match(version):
            raise not_acceptable(
                f"version={version} does not exist: use version=1 (the latest) or version=1.<minor> (a revision). "
                f"Accepted: {accepted}",
                LOOKUP_ACCEPTS,
            )
        return Form(match["name"]), version
    if not (accept or "").strip():
        raise not_acceptable(
            f"a lookup needs an Accept header naming the form and version, one of: {accepted}", LOOKUP_ACCEPTS
        )
    raise not_acceptable(f"Accept {accept!r} names no form of this resource: use one of {accepted}", LOOKUP_ACCEPTS)


def listing_full(accept: str | None) -> bool:
    """Whether a listing's ``Accept`` asks for whole documents (``xed``) rather than ids (``xed-id``)."""
    for media, _params in media_ranges(accept):
        if media == LISTING_ACCEPTS[1]:
            return True
        if media == LISTING_ACCEPTS[0] or media in ANY_MEDIA:
            return False
    if not (accept or "").strip():
        return False
    raise not_acceptable(
        f"Accept {accept!r} is not a listing form: use one of {', '.join(LISTING_ACCEPTS)}", LISTING_ACCEPTS
    )


def media_ranges(accept: str | None) -> list[tuple[str, dict[str, str]]]:
    """``Accept`` as (media type, parameters) pairs, in the order given."""
    ranges = []
    for part in (accept or "").split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if media:
            pairs = (param.partition("=") for param in params)
            ranges.append((media.lower(), {key.strip().lower(): value.strip().strip('"') for key, _, value in pairs}))
    return ranges


def not_acceptable(detail: str, accepted: tuple[str, ...]) -> ApiError:
    """A 406 whose ``report.accepted`` lists the values that would have worked."""
    return ApiError(406, "406", detail, report={"accepted": list(accepted)})


#: Descriptor listing forms: whole descriptors (the default), their ``@id``s, or links grouped by ``@type``.
DESCRIPTOR_ACCEPTS = (
    "application/vnd.adobe.xdm+json",
    "application/vnd.adobe.xdm-id+json",
    "application/vnd.adobe.xdm-link+json",
)


def descriptor_listing_form(accept: str | None) -> str:
    """``xdm``, ``xdm-id`` or ``xdm-link``: what a descriptor listing's ``Accept`` asks for."""
    for media, _params in media_ranges(accept):
        if media in DESCRIPTOR_ACCEPTS:
            return media.removeprefix("application/vnd.adobe.").removesuffix("+json")
        if media in ANY_MEDIA:
            return "xdm"
    if not (accept or "").strip():
        return "xdm"
    raise not_acceptable(
        f"Accept {accept!r} is not a descriptor listing form: use one of {', '.join(DESCRIPTOR_ACCEPTS)}",
        DESCRIPTOR_ACCEPTS,
    )
