"""One dossier per patch (HTML and PDF), built by :func:`~rsgeo.outputs.dossier.build.build_dossiers`."""
