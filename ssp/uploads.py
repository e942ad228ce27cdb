"""The upload handler every file form puts first: a size cap enforced while the file arrives."""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeCapUploadHandler(FileUploadHandler):
    """Stops reading a file the moment it passes `cap` bytes, and names it in the request's
    `too_large_uploads`, so the form can say which file was refused."""

    def __init__(self, request=None, *, cap: int):
        super().__init__(request)
        self.cap = cap

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.cap:
            self.request.too_large_uploads = [
                *getattr(self.request, "too_large_uploads", []),
                self.file_name,
            ]
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
