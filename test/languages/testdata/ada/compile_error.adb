with Ada.Text_IO;

procedure Main is
   X : Integer;
begin
   Ada.Text_IO.Put_Line ("SHOULD-NOT-RUN");
   X := "not an int";
end Main;
