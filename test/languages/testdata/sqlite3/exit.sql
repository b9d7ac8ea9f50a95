SELECT 'exiting';
.exit 3
