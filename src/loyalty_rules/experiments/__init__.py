"""Experiments: holdouts and champion/challenger arms assigned by a stable hash
(`assignment`), defined on the command line or in a file (`definition`), applied to
decisions (`running`), and measured against what customers did next (`uplift`,
`statistics`)."""
