"""The order workflow and order event handlers (one asset: handler strings are ``orders.<module>.<function>``)."""
