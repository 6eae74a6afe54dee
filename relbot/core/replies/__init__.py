"""Reading one list reply into the tracker changes it proposes."""
