MODULE args;

(* Prints the command-line arguments joined by single spaces. *)

FROM Args IMPORT GetArg, Narg;
FROM StrIO IMPORT WriteString, WriteLn;
FROM StdIO IMPORT Write;

VAR
  arg: ARRAY [0..4095] OF CHAR;
  i: CARDINAL;
BEGIN
  FOR i := 1 TO Narg() - 1 DO
    IF i > 1 THEN
      Write(' ')
    END;
    IF GetArg(arg, i) THEN
      WriteString(arg)
    END
  END;
  WriteLn
END args.
