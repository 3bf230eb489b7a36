"""Static files storage of production and of the image build.

WhiteNoise's compressed manifest storage (hashed names, served with far-future caching), with
one tolerance: viewflow ships a vendored `roboto-fontface.css` whose `url(./Roboto-*.woff2)`
references point to files that are not in the package (they live in `../../fonts/roboto/`).
Django's manifest step then refuses to finish `collectstatic`. References from that vendored
folder that cannot be found are left as written (as the development server serves them);
a missing reference anywhere else, our own CSS included, still fails the build.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage

# Vendored third-party CSS whose broken relative references we cannot fix upstream.
TOLERATED_BROKEN_REFERENCES = ("viewflow/fonts/roboto/node_modules/",)


class StaticStorage(CompressedManifestStaticFilesStorage):
    def url_converter(self, name, hashed_files, template=None):
        convert = super().url_converter(name, hashed_files, template)
        if not name.startswith(TOLERATED_BROKEN_REFERENCES):
            return convert

        def convert_or_keep(matchobj):
            try:
                return convert(matchobj)
            except ValueError:  # the referenced file is missing: keep the reference unchanged
                return matchobj.group(0)

        return convert_or_keep
