"""Privacy, in one place: what essaim does so that it keeps as little as it can about the
teachers whose public posts it reads, and forgets them on request.

- :mod:`~graph.privacy.identifiers`: what an identifier is (mentions, DIDs, profile links,
  accounts named by a run's options), and how texts and locations are masked;
- :mod:`~graph.privacy.pseudonyms`: keyed pseudonyms, the allow-list of institutions that
  keep their names, the installation secret;
- :mod:`~graph.privacy.store`: on the database: retention (:func:`~.store.prune_store`),
  minimised texts (:func:`~.store.minimise_texts`), erasure of one account
  (:func:`~.store.forget_account`), the list of accounts erased on request
  (:class:`~.store.ErasureList`);
- :mod:`~graph.privacy.raw`: on the raw runs: finding an account under every form it has
  (:func:`~.raw.find_account`), erasing it (:func:`~.raw.prepare_erasure`, then commit),
  finishing an erasure a crash stopped (:func:`~.raw.finish_erasure`), retention
  (:func:`~.raw.delete_runs_before`).
- :mod:`~graph.privacy.learners`: erasing one learner of the usage imports from the raw runs
  (:func:`~.learners.prepare_learner_erasure`).

The commands (``essaim forget``, ``prune``, ``privacy-report``) are in :mod:`app.cli.privacy`
and :mod:`app.cli.privacy_report`; loading (:mod:`graph.store.load`) goes through identifiers
and pseudonyms. The submodules are imported by name: this package imports none of them.
"""
