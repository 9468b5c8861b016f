"""Commands for the warehouse's readers (analysts): read-only views of the published marts."""
