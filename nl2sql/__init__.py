"""lakehouse-nl2sql: ask a lakehouse in plain words; get a guarded SQL answer."""
