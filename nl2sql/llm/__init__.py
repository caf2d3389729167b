"""The LLM generator's parts: what goes into a request and what comes back out of a reply.

``prompt`` (messages: rules, dialect notes, business rules, examples, the question) and ``prompt_schema``
(the schema context, stable prefix first), ``examples`` (few-shot pairs chosen by similarity), ``value_index``
(values named in the question, for hints; ``question_values``: from the question's shortlist on a big catalog),
``followup`` (tables a conversation needs), ``extract`` (SQL out of a reply, or the model's question or refusal),
``candidates`` (several candidates, chosen by their results). ``inputs`` gathers the context, examples and
hints of one assistant; ``request`` and ``reply`` are one request and its reply read as a candidate; ``generator``
puts these together as the LLM generator. The HTTP client is the adapter ``nl2sql/adapters/openai_llm.py``.
"""
