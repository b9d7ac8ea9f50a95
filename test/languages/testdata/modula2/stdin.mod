MODULE stdin;

(* Copies stdin to stdout byte by byte. *)

FROM FIO IMPORT StdIn, StdOut, ReadChar, WriteChar, EOF, FlushBuffer;

VAR
  c: CHAR;
BEGIN
  c := ReadChar(StdIn);
  WHILE NOT EOF(StdIn) DO
    WriteChar(StdOut, c);
    c := ReadChar(StdIn)
  END;
  FlushBuffer(StdOut)
END stdin.
