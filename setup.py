"""The optional C extension of the OTLP protobuf decoder; metadata is in pyproject.toml.

Without a compiler the build of ``collector.otlp._native`` is skipped and
ingest uses the pure-Python decoder (``collector/otlp/native.py``).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "collector.otlp._native",
            ["collector/otlp/_native.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
