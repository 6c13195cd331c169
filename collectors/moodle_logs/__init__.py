"""Moodle usage imports: the log report's download, an export of the ``logstore_standard_log``
table and xAPI statements become raw runs of daily course views, enrolments and completions
(see :mod:`collectors.imports.usage`)."""
