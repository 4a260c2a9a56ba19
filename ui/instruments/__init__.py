"""The instrument library screens (量表库): list, detail, import of a school's definition, try-it scoring."""
