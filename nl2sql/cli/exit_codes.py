"""Exit codes scripts rely on: 0 answered/allowed, 1 error, 2 usage, 3 refused by the guard,
4 abstained or clarify (no confident answer; a question with several readings lists them), 5 configuration error.
"""

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REFUSED, EXIT_ABSTAINED, EXIT_CONFIG = 0, 1, 2, 3, 4, 5
