with GNAT.OS_Lib; use GNAT.OS_Lib;

procedure Main is
   Buf : String (1 .. 4096);
   N   : Integer;
begin
   loop
      N := Read (Standin, Buf'Address, Buf'Length);
      exit when N <= 0;
      N := Write (Standout, Buf'Address, N);
   end loop;
end Main;
