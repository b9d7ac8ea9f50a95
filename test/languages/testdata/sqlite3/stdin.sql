.shell cat
