"""``essaim report``: what spread over a period, who carried it and what it brought, as one
self-contained HTML page (and a PDF made from it), in French or English.

``build.py`` gathers the figures, ``words.py`` holds the words and writes numbers and days,
``html.py`` renders the page, ``pdf.py`` lays it out as a PDF, ``write.py`` writes the files.
"""
