"""One module per command; each holds a click ``command`` that only parses
its options, calls the flow (``policylint.run``) and picks the output.
``policylint.cli`` lists them and imports each only when it is used."""
