"""1v1 consultations, the AI agent, the human inbox and translation engines.

Filled in by the consultations and support issues.
"""
