"""What a reader is shown of case content: the one path for every client (the API, the web UI).

``content.access`` decides which cases a user may open and which categories of each they may see;
the selectors in ``content.case``, ``content.records`` and ``content.consents`` build what is
shown from that answer, decrypt only what may be shown, and record what was shown (an audit
entry per case and category, and the disclosure register for another agency) in the caller's
transaction. They return plain data: dicts of Python values that the API serializes and the UI
renders. Views filter nothing and write no audit rows.
"""
