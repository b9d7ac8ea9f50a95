MODULE broken;

FROM StrIO IMPORT WriteString, WriteLn;

BEGIN
  WriteString('SHOULD-NOT-RUN');
  WriteLn;
  undeclaredVariable := 1
END broken.
