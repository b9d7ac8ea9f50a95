module broken;
  initial begin
    $display("SHOULD-NOT-RUN");
    undeclared_signal = 1;
  end
endmodule
