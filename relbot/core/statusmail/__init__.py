"""Reading a hand-written status mail, of any release manager's layout, into an outline."""
