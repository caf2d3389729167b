"""Presentation of an answer for a business user: formats, the result in a sentence, notes, follow-ups.

Everything here is computed from the result rows, the syntax tree of the SQL that ran and the semantic
model, never from a language model, so the words cannot disagree with the numbers.
"""
