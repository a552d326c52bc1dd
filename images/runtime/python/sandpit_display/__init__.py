"""Rich output for Sandpit runs: images, HTML and Markdown shown with a run's output.

    from sandpit_display import display
    display(fig)                               # a matplotlib figure (plt.show() does this too)
    display(image)                             # a Pillow image
    display("<b>bold</b>", mime="text/html")   # HTML, shown in a sandboxed frame
    display("# Title", mime="text/markdown")   # Markdown
    display(path="chart.svg")                  # a file, its kind told by its name

Any program can do the same without this module: write a file into the folder named by
$SANDPIT_DISPLAY (.png .jpg .gif .webp .svg .html .md .txt). Write it under a name starting with
a dot, then rename it, so a half-written file is never shown. Files are shown in name order.
Outside a run (a terminal, say) there is no such folder: the output is saved beside the program.
"""

import io
import os
import tempfile
import time

__all__ = ["display"]

_TYPES = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/svg+xml": "svg",
    "text/html": "html",
    "text/markdown": "md",
    "text/plain": "txt",
}
_BY_EXTENSION = {ext: mime for mime, ext in _TYPES.items()}
_BY_EXTENSION["jpeg"] = "image/jpeg"
_count = 0


def _name(ext):
    global _count
    _count += 1
    # Ordered by time, unique across the processes of one run.
    return f"{time.time_ns():020d}-{os.getpid()}-{_count}.{ext}"


def _emit(data, mime):
    name = _name(_TYPES[mime])
    folder = os.environ.get("SANDPIT_DISPLAY")
    if not folder:
        path = os.path.abspath(f"output-{_count}.{_TYPES[mime]}")
        with open(path, "wb") as out:
            out.write(data)
        print(f"[{mime} saved as {path}]")
        return path
    fd, partial = tempfile.mkstemp(dir=folder, prefix=".")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    final = os.path.join(folder, name)
    os.rename(partial, final)
    return final


def display(obj=None, mime=None, path=None):
    """Shows `obj` (a figure, an image, bytes or text of type `mime`) or the file at `path`."""
    if path is not None:
        ext = os.path.splitext(path)[1].lstrip(".").lower()
        kind = mime or _BY_EXTENSION.get(ext)
        if kind not in _TYPES:
            raise ValueError(f"cannot show {path}: use one of .{', .'.join(sorted(_BY_EXTENSION))}")
        with open(path, "rb") as source:
            return _emit(source.read(), kind)
    if hasattr(obj, "savefig"):  # a matplotlib figure
        buffer = io.BytesIO()
        obj.savefig(buffer, format="png", bbox_inches="tight")
        return _emit(buffer.getvalue(), "image/png")
    if hasattr(obj, "save") and hasattr(obj, "mode"):  # a Pillow image
        buffer = io.BytesIO()
        obj.save(buffer, format="PNG")
        return _emit(buffer.getvalue(), "image/png")
    if mime is None:
        mime = "text/plain"
    if mime not in _TYPES:
        raise ValueError(f"cannot show {mime}: use one of {', '.join(_TYPES)}")
    data = obj if isinstance(obj, bytes) else str(obj).encode("utf-8")
    return _emit(data, mime)
