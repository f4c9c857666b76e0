# gopherprop on Binder, JupyterHub or plain Docker.
#
#   docker build -t gopherprop .
#   docker run --rm -p 8888:8888 gopherprop
#
# Binder (mybinder.org and any BinderHub) builds this file as it is: the
# image has the user jovyan with uid 1000 and a writable home holding the
# repository (notebooks included), `jupyter notebook` on PATH, the kernel
# built with OpenBLAS and installed for every user, the MNIST data inside
# the image, and no ENTRYPOINT, so Binder and JupyterHub can start their
# own command (jupyter notebook or jupyterhub-singleuser).
#
# Every RUN step is install/setup.sh --docker, the same script that
# `make demo`, `make test` and CI run; tests/docker/check.sh checks this
# file and runs those steps outside Docker.
FROM golang:1.26.8-bookworm

ARG NB_USER=jovyan
ARG NB_UID=1000
ENV USER=${NB_USER} \
    NB_USER=${NB_USER} \
    NB_UID=${NB_UID} \
    HOME=/home/${NB_USER} \
    GOTOOLCHAIN=local \
    GOMODCACHE=/opt/gomodcache

# Debian packages, the notebook user and the Go modules (with the MNIST
# data) first, so that changing the code does not redo them.
COPY go.mod go.sum /tmp/gopherprop/
COPY install/ /tmp/gopherprop/install/
RUN /tmp/gopherprop/install/setup.sh --docker --jupyterhub --only check,system,user,modules --clean

# The repository, owned by the notebook user, then the kernel.
COPY --chown=${NB_UID}:${NB_UID} . ${HOME}/
RUN ${HOME}/install/setup.sh --docker --only build,kernelspec,prewarm,user,verify --clean

USER ${NB_USER}
WORKDIR ${HOME}
EXPOSE 8888
CMD ["jupyter", "notebook", "--ip=0.0.0.0", "--port=8888", "--no-browser", "--notebook-dir=notebooks"]
