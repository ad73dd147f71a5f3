"""Organisations: the Liaoning bureaus and institutes, their capability ledger and routing (orgs), who acts
(actors), the instrument catalogue (catalogue), server-side sign-in sessions and locks (sign_in), and the demo
slice (demo).

Other wings use ``actors.Actor``, ``orgs`` look-ups and ``catalogue``.
"""
