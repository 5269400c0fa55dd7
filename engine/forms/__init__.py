"""Form definitions (form-js JSON) → validators of submitted task data.

- `definition`: `load_form` checks a definition once and builds its `Form`;
- `form`: `Form.validate` turns a submission into clean task data or Chinese messages per field;
- `fields`: what each input accepts, and the marshmallow field that checks it.
"""
