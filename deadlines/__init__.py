"""The deadline engine: clocks that warn, record breaches and escalate, for every capability."""
