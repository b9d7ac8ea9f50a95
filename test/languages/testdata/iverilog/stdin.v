// Copies stdin (Icarus' file descriptor 32'h8000_0000) to stdout byte by byte.
module echo;
  integer c;
  initial begin
    c = $fgetc(32'h8000_0000);
    while (c != -1) begin
      $write("%c", c);
      c = $fgetc(32'h8000_0000);
    end
  end
endmodule
