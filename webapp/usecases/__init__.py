"""The use cases: each loads what it needs, calls the engine, and commits once (webapp.transaction).
Pages, the command line and the worker call them; they never touch a request."""
