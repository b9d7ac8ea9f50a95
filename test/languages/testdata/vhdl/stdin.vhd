-- Copies stdin to stdout byte by byte: a file of character is read and
-- written raw by GHDL (STD_INPUT and STD_OUTPUT name the standard streams).
entity echo is
end entity echo;

architecture behaviour of echo is
  type byte_file is file of character;
  file input_bytes : byte_file open read_mode is "STD_INPUT";
  file output_bytes : byte_file open write_mode is "STD_OUTPUT";
begin
  process
    variable c : character;
  begin
    while not endfile(input_bytes) loop
      read(input_bytes, c);
      write(output_bytes, c);
    end loop;
    wait;
  end process;
end architecture behaviour;
