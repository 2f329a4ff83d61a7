"""Built-in commands, one module each, registered through ``meetcheck_register_commands``
exactly like a plugin's."""
