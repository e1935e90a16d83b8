"""/files/<name>: a protected file, after the owning app's selector has said yes."""

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.static import serve

from yiban_core.files import owners
from yiban_core.files import serve as serve_module
from yiban_core.files.storage import protected_storage_instance


def _clean(name: str) -> bool:
    return ("\\" not in name and "\x00" not in name
            and all(part not in ("", ".", "..") for part in name.split("/")))


@require_safe
def protected_file(request, name: str):
    # Unknown, refused and malformed names are the same 404: existence is not confirmed.
    audience = owners.audience_of(request.actor, name) if _clean(name) else None
    if audience is None:
        raise Http404
    return serve_module.send(request, storage=protected_storage_instance, name=name,
                             audience=audience)


# What /media/ serves on the embedded default: pictures everyone may see. Anything else
# there (protected files, and post images and resource files stored before they were
# protected) is answered only by protected_file.
PUBLIC_MEDIA_PREFIXES = ("avatars/", "app-logos/")


@require_safe
def public_media(request, path: str):
    if not path.startswith(PUBLIC_MEDIA_PREFIXES):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = f"public, max-age={serve_module.PUBLIC_MAX_AGE_S}"
    return response
