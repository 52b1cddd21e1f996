"""No page and no endpoint takes a file, so none is read, spooled or kept: the API parses JSON
only (REST_FRAMEWORK's parsers), and a form posted with a file part is refused at the part's
headers, before a byte of the file is read (the only upload handler, NoFiles), with a 400 in
words. The API answers any multipart body 415 before anything else reads it."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

NO_FILES = "This app takes no files: the form was sent with one, and nothing was saved."
JSON_ONLY = "The API takes JSON only: send the body as application/json."


class FilesRefused(MultiPartParserError):
    """A file part in a posted form (Django answers a MultiPartParserError 400)."""


class NoFiles(FileUploadHandler):
    """The upload handler (FILE_UPLOAD_HANDLERS): any file part stops the parse at its headers."""

    def new_file(self, *args, **kwargs):
        raise FilesRefused(NO_FILES)

    def receive_data_chunk(self, raw_data, start):  # never reached: new_file refuses first
        return None

    def file_complete(self, file_size):
        return None


class RefuseFiles:
    """Answer a posted file in words before any view, sign-in or CSRF check runs, so even an
    anonymous one is refused at once: the form's fields are read (as the CSRF check would),
    the file is not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.content_type == "multipart/form-data":
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": JSON_ONLY}, status=415)
            if request.method == "POST":
                try:
                    request.POST  # noqa: B018 - parsed now: NoFiles stops at a file part
                except FilesRefused:
                    context = {"title": "No files", "detail": NO_FILES}
                    return render(request, "core/error.html", context, status=400)
        return self.get_response(request)
