# cat copies stdin byte for byte (a last line without newline too).
exec cat
