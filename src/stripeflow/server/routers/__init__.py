"""One router per Platform service; handlers validate, call a service, return."""
