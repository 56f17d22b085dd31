# zorgzones: the Streamlit app. Install steps are the README's first command.
FROM python:3.11-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . /app
RUN python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]"
ENV ZORGZONES_DATA_DIR=/data
VOLUME /data
EXPOSE 8501
# without data in /data the app opens on the synthetic demo region; fetch real data with:
#   docker run -v zz:/data IMAGE .venv/bin/zorgzones data fetch
CMD [".venv/bin/python", "-m", "app_pages.serve", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
